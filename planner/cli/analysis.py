"""Commands of this domain are registered here as they land."""
COMMANDS: list = []
