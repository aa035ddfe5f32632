"""The address element labels (CCKS 2021 set) and how the NAACL 2019 labels map onto them."""

from __future__ import annotations

LABELS = (
    "prov", "city", "district", "devzone", "town", "community", "village_group", "road", "roadno",
    "poi", "subpoi", "houseno", "cellno", "floorno", "roomno", "assist", "distance", "intersection",
    "redundant",
)  # fmt: skip

NAACL_TO_CCKS = {
    "country": "redundant", "subroad": "road", "subroadno": "roadno", "person": "redundant",
    "otherinfo": "redundant",
}  # fmt: skip


def normalise_label(label: str) -> str:
    label = label.lower()
    return NAACL_TO_CCKS.get(label, label)
