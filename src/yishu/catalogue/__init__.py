"""The catalogue (数据资源目录): data elements, resources and the authority map (一数一源一标准).

Catalogue as code: YAML files in the workspace's catalogue folder, validated as a whole
(``load_catalogue``; every error names file, line and field) and loaded into the control plane in
one transaction (``store.save``). The pipeline reads field -> data element mappings and the
authority map; the share service reads grades, share types and masking; the portal reads DCAT.
"""

from __future__ import annotations

from yishu.catalogue.builtin import install_builtin
from yishu.catalogue.mapping import Suggestion, suggest
from yishu.catalogue.model import Catalogue, DataElement, Field, Resource
from yishu.catalogue.search import Hit, search
from yishu.catalogue.validate import grade_field, load_catalogue
from yishu.catalogue.yamlio import CatalogueError, Problem

__all__ = [
    "Catalogue",
    "CatalogueError",
    "DataElement",
    "Field",
    "Hit",
    "Problem",
    "Resource",
    "Suggestion",
    "grade_field",
    "install_builtin",
    "load_catalogue",
    "search",
    "suggest",
]
