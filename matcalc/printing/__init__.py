"""One printer per format: text (the input language), LaTeX, NumPy source."""
