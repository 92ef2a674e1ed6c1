"""The base layer: settings and errors. Imports nothing of ours; every other package may import it."""
