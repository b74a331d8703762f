from sim.cli.main import program

program()
