"""Analysis layers on top of the model: plots, statistics, validation, reports."""
