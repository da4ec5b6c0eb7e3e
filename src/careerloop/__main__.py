from careerloop.cli import main

main()
