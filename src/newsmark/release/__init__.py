"""The researcher's and releaser's tools: what is done with a built dataset (scoring a model on it,
exporting it to other formats, comparing two releases, publishing one). Each command of this family
gets a module here and its arguments in cli/release.py; none exists yet.

The dataset card and Croissant metadata are not here: the build writes them (pipeline/card.py), and the
pipeline never imports a tool.
"""
