"""The command line (``hoidap``): an edge like the API and the bots; it builds the settings, runs a stage
of the pipeline or a channel, and turns errors into exit codes. ``cli.main`` holds the parser."""
