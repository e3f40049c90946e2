from palaestra.cli import main

main()
