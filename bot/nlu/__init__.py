"""Custom Rasa NLU components of this project, named in config.yml by import path."""
