from devmaturity.cli.main import main

main()
