from loadlint.cli import main

main()
