"""The Label Studio round trip: a labeling config and tasks out, an export merged back into annotations/.

Label Studio supplies clicking spans; newsmark keeps validation, review and releases. How a newsmark
annotation maps onto Label Studio results:

- a mention is a region of the ``entity`` Labels (its label is the entity type); the newsmark entity id
  rides in the region's ``meta`` text, which Label Studio keeps on every result of the region and shows
  as an editable note, so coreference clusters survive the trip and an annotator can attach a new region
  to an entity by typing its id there;
- a claim is a region of the ``claim`` Labels, with per-region Choices for its type, attribution and
  check-worthiness; its claimer is a relation from the claim to a mention of the claimer, or the
  per-region choice ``author``;
- topics are one multi-select Choices on the whole text.

Region ids are stable (``m-<entity>-<n>`` for mentions, ``c-<claim id>`` for claims), so an export
imported unchanged gives back byte-identical files.
"""

from newsmark.contributor.labelstudio.config import label_config, topic_choice
from newsmark.contributor.labelstudio.export import EXPORT_FILES, export_tasks, task_results
from newsmark.contributor.labelstudio.importer import annotator_of, import_export
from newsmark.contributor.labelstudio.layer import Layer, Region, pick_annotation, read_layer, read_regions
from newsmark.contributor.labelstudio.merge import merge
from newsmark.contributor.labelstudio.offsets import locate_span
from newsmark.contributor.labelstudio.problems import Problems

__all__ = [
    "EXPORT_FILES",
    "Layer",
    "Problems",
    "Region",
    "annotator_of",
    "export_tasks",
    "import_export",
    "label_config",
    "locate_span",
    "merge",
    "pick_annotation",
    "read_layer",
    "read_regions",
    "task_results",
    "topic_choice",
]
