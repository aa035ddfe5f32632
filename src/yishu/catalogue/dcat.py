"""The catalogue as DCAT-AP 3 (Turtle or JSON-LD), for open-data portals and harvesters.

Each resource is a dcat:Dataset with one dcat:Distribution (its data API address); share and open
types become dct:accessRights from the EU access-right vocabulary; update cycles become
dct:accrualPeriodicity from the EU frequency vocabulary; providers become foaf:Agent publishers.
Checked against the official DCAT-AP 3.0.1 SHACL shapes in the tests.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from yishu.catalogue.model import Catalogue, Resource

EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_FILETYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")

ACCESS = {"open": "PUBLIC", "conditional": "RESTRICTED", "closed": "NON_PUBLIC"}
FREQUENCY = {
    "realtime": "CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY",
    "quarterly": "QUARTERLY", "yearly": "ANNUAL", "irregular": "IRREG",
}  # fmt: skip
FILE_TYPE = {
    "csv": "CSV",
    "xlsx": "XLSX",
    "jsonl": "JSON",
    "json": "JSON",
    "parquet": "PARQUET",
    "table": "CSV",
}
MEDIA_TYPE = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "jsonl": "application/jsonl", "json": "application/json", "parquet": "application/vnd.apache.parquet",
              "table": "text/csv"}  # fmt: skip


def _iri(base: str, *parts: str) -> URIRef:
    return URIRef(base.rstrip("/") + "/" + "/".join(quote(p, safe="") for p in parts))


def graph(
    catalogue: Catalogue, base: str = "http://localhost:8000/", title: str = "公共数据资源目录"
) -> Graph:
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("adms", ADMS)):
        g.bind(prefix, ns)
    cat = _iri(base, "catalog")
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal(title, lang="zh")))
    g.add(
        (
            cat,
            DCTERMS.description,
            Literal("数据局公共数据资源目录（一数一源一标准），由 yishu 生成。", lang="zh"),
        )
    )
    bureau = _iri(base, "agent", "bureau")
    g.add((cat, DCTERMS.publisher, bureau))
    g.add((bureau, RDF.type, FOAF.Agent))
    g.add((bureau, FOAF.name, Literal("数据局", lang="zh")))
    g.add((cat, FOAF.homepage, URIRef(base)))
    g.add((URIRef(base), RDF.type, FOAF.Document))
    g.add((cat, DCTERMS.modified, Literal(dt.date.today().isoformat(), datatype=XSD.date)))
    for concept, scheme in ((ACCESS, EU_ACCESS), (FREQUENCY, EU_FREQ), (FILE_TYPE, EU_FILETYPE)):
        kind = {id(ACCESS): DCTERMS.RightsStatement, id(FREQUENCY): DCTERMS.Frequency,
                id(FILE_TYPE): DCTERMS.MediaTypeOrExtent}[id(concept)]  # fmt: skip
        for code in set(concept.values()):
            g.add((scheme[code], RDF.type, kind))
    for r in sorted(catalogue.resources.values(), key=lambda r: r.code):
        g.add((cat, DCAT.dataset, _dataset(g, r, base)))
    return g


def _dataset(g: Graph, r: Resource, base: str) -> URIRef:
    ds = _iri(base, "dataset", r.code)
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(r.code)))
    g.add((ds, DCTERMS.title, Literal(r.name, lang="zh")))
    g.add((ds, DCTERMS.description, Literal(r.summary, lang="zh")))
    g.add((ds, DCTERMS.issued, Literal(r.release_date, datatype=XSD.date)))
    g.add((ds, DCTERMS.accrualPeriodicity, EU_FREQ[FREQUENCY[r.update_cycle]]))
    g.add((ds, DCTERMS.accessRights, EU_ACCESS[ACCESS[r.open_type]]))
    publisher = _iri(base, "agent", r.provider)
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(r.provider, lang="zh")))
    contact = BNode()
    g.add((ds, DCAT.contactPoint, contact))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, VCARD.fn, Literal(r.provider, lang="zh")))
    for word in (r.source, r.entity_type, *sorted({f.element for f in r.fields})):
        g.add((ds, DCAT.keyword, Literal(word, lang="zh" if not word.isascii() else "en")))
    for code in r.related:
        g.add((ds, DCTERMS.relation, _iri(base, "dataset", code)))
    dist = _iri(base, "dataset", r.code, "distribution")
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, _iri(base, "api", "resources", r.code)))
    g.add((dist, DCTERMS.title, Literal(f"{r.name}（数据接口）", lang="zh")))
    g.add((dist, DCTERMS.format, EU_FILETYPE[FILE_TYPE[r.format]]))
    g.add(
        (dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/" + MEDIA_TYPE[r.format]))
    )
    g.add(
        (
            URIRef("https://www.iana.org/assignments/media-types/" + MEDIA_TYPE[r.format]),
            RDF.type,
            DCTERMS.MediaType,
        )
    )
    g.add((dist, DCTERMS.rights, EU_ACCESS[ACCESS[r.open_type]]))
    g.add(
        (
            dist,
            RDFS.comment,
            Literal(f"共享类型 {r.share_type}; 开放类型 {r.open_type}; 分级 {r.grade}", lang="zh"),
        )
    )
    return ds


def export(catalogue: Catalogue, fmt: str, base: str = "http://localhost:8000/") -> str:
    g = graph(catalogue, base)
    if fmt == "dcat-ttl":
        return g.serialize(format="turtle")
    if fmt == "dcat-jsonld":
        return g.serialize(format="json-ld", auto_compact=True)
    raise ValueError(f"unknown DCAT format {fmt!r} (dcat-ttl, dcat-jsonld)")
