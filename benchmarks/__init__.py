"""`make bench`: the figures the issues ask for, printed as a table."""
