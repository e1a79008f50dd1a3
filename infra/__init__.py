"""Infrastructure as code for Marktplatz: `chalice package --merge-template`, generated from the code (README)."""
