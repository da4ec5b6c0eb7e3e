"""Fakes of the services careerloop talks to, for tests."""
