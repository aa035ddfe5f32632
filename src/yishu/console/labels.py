"""Names people read for the codes in the data: attributes, entity types, grades, share types."""

from __future__ import annotations

import re

from yishu.catalogue.model import Catalogue
from yishu.console.messages import Translator

_CJK = re.compile(r"[\u4e00-\u9fff]")


class Labels:
    def __init__(self, catalogue: Catalogue, t: Translator):
        self.t = t
        self.catalogue = catalogue
        self._attribute: dict[str, str] = {}
        # The column name in the attribute's authoritative resource is what that department calls it.
        for attribute, order in catalogue.authority.items():
            for source in order:
                try:
                    resource = catalogue.resource_for_source(source)
                except KeyError:
                    continue
                match = next((f for f in resource.fields if f.attribute == attribute), None)
                if match is not None:
                    element = catalogue.elements.get(match.element)
                    if t.lang != "zh":
                        break  # English: the attribute's own name (two addresses stay two)
                    if _CJK.search(match.column):
                        self._attribute[attribute] = match.column
                    elif element is not None:  # a column named in pinyin (scjydz)
                        self._attribute[attribute] = element.name
                    break

    def attribute(self, attribute: str) -> str:
        """``person.name`` -> 姓名 (Chinese) or "Name" (English); the column name itself otherwise."""
        if attribute in self._attribute:
            return self._attribute[attribute]
        key = attribute.split(".", 1)[-1]
        return self.t.get(f"column.{key}", key.replace("_", " ").capitalize())

    def task_attribute(self, task: dict) -> str:
        """The attribute a verification task asks about (tasks name it bare or as entity.attribute)."""
        attribute = task.get("attribute")
        if not attribute:
            return ""
        if attribute.startswith("_link:"):
            return ""  # a link task is about the whole record: its kind says it
        return self.attribute(attribute if "." in attribute else f"{task.get('entity_type')}.{attribute}")

    def element(self, element_id: str) -> str:
        e = self.catalogue.elements.get(element_id)
        if e is None:
            return element_id
        return e.name if self.t.lang == "zh" else e.name_en

    def dimension(self, dimension: str) -> str:
        return self.t.get(f"quality.{dimension}", dimension)

    def column(self, entity_type: str, column: str) -> str:
        return self.attribute(f"{entity_type}.{column}")

    def source(self, source: str) -> str:
        """Sources are proper names (公安户籍人口): shown as they are in both languages."""
        return source

    def department(self, source: str) -> str:
        """The department (provider) that delivers ``source``, as the catalogue names it."""
        try:
            return self.catalogue.resource_for_source(source).provider
        except KeyError:
            return source

    def code(self, group: str, value: str | None) -> str:
        if value is None:
            return "—"
        return self.t.get(f"{group}.{value}", value)
