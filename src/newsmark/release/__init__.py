"""The researcher's and releaser's tools: what is done with a built dataset.

    evaluate.py  ``newsmark evaluate``: score a model's predictions on a split

Still to come here: export, diff, publish. Each gets a module here and its arguments in cli/release.py.
The dataset card and Croissant metadata are not here: the build writes them (pipeline/card.py), and the
pipeline never imports a tool.
"""
