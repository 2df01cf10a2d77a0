from nkwatch.cli import app

app(prog_name="nkwatch")
