#!/usr/bin/env python3
"""Writes api/openapi.json, the OpenAPI 3.0 document daemon1 embeds and serves
at GET /api: `make openapi` after changing a path, parameter, body or problem
type. The api tests validate the document and every response against it."""
import json, os
P = lambda t: {"$ref": "#/components/responses/" + t}
CRSS = ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/3857"]
problems = {
 "bad-request": (400, "The request is not valid HTTP/1.1; the connection is closed."),
 "invalid-parameter": (400, "A query parameter or path segment is malformed (bbox, limit, cursor, a collection name, a feature id), or a query parameter is one the operation does not take, or is given twice: the detail names it and lists what the operation takes."),
 "invalid-body": (400, "The body is not the JSON asked for (malformed JSON, wrong types, unknown members in a search, a Feature without a geometry member, text that is not UTF-8, numbers out of the 64-bit float range, data after the JSON value). A write answered with any error changed nothing."),
 "unauthorized": (401, "A write (or /admin/*, or /metrics under -auth-metrics) without the bearer token, or with a wrong one (WWW-Authenticate: Bearer)."),
 "not-found": (404, "No resource at this path."),
 "no-such-collection": (404, "The collection does not exist."),
 "no-such-feature": (404, "The feature does not exist."),
 "method-not-allowed": (405, "The path does not support the method; see the Allow header."),
 "not-acceptable": (406, "The Accept header (or f parameter) admits none of the types served."),
 "request-timeout": (408, "The request was not received in time."),
 "conflict": (409, "A feature with this id exists already (create, bulk insert)."),
 "precondition-failed": (412, "If-Match does not match the feature's ETag, or the feature does not exist."),
 "payload-too-large": (413, "The body, or the number of features in a bulk insert, is larger than the server accepts."),
 "uri-too-long": (414, "The request target is too long."),
 "unsupported-media-type": (415, "The Content-Type is not accepted on this path."),
 "expectation-failed": (417, "An Expect other than 100-continue."),
 "invalid-geometry": (422, "Valid JSON, but not a valid GeoJSON geometry (or one of more positions than the server accepts, -max-vertices); detail names where and what to fix."),
 "idempotency-key-reused": (422, "The Idempotency-Key was sent before with another request (collection, Content-Type or body): nothing was written."),
 "header-too-large": (431, "The header block is too large."),
 "internal": (500, "A bug; logged under the requestId in the body."),
 "not-implemented": (501, "The method or transfer coding is not implemented."),
 "overloaded": (503, "Overloaded, starting (replaying the append-only file), or the request could not be answered within its budget or made durable in time; retry after Retry-After seconds. A write answered 503 was not made: an error answer to a write always means nothing changed (a write that has started answers its own result, late if it must)."),
 "read-only": (503, "A write while the store is read-only: an fsync failed, and daemon1 takes writes again only once restarted; reads work."),
 "insufficient-storage": (507, "The disk holding the append-only file is full: the write was not made."),
 "http-version": (505, "Only HTTP/1.1 and HTTP/1.0 are served."),
 "not-caught-up": (503, "In a fleet: a read sent a Daemon1-Seq token that this node has not applied within the request's budget. Retry (here or on another node)."),
 "outcome-unknown": (504, "In a fleet: the write log did not confirm the write in time; it may or may not have been made. GET what was written to see; a POST with the same Idempotency-Key is made at most once."),
}
problem_schema = {
 "type": "object", "required": ["type", "title", "status"],
 "description": "RFC 9457 problem details. type is one of the stable relative URIs listed in x-problem-types.",
 "properties": {
  "type": {"type": "string", "enum": ["/problems/" + k for k in problems]},
  "title": {"type": "string"}, "status": {"type": "integer", "minimum": 400, "maximum": 599},
  "detail": {"type": "string", "description": "what is wrong and what to fix"},
  "instance": {"type": "string", "description": "the request path"},
  "requestId": {"type": "string", "pattern": "^[0-9a-f]{16}$", "description": "on 5xx: the key to the error log"}}}
def resp(desc, ref=None, ctype="application/json", headers=None):
  r = {"description": desc}
  if ref is not None:
    r["content"] = {ctype: {"schema": ref}}
  if headers: r["headers"] = headers
  return r
def S(name): return {"$ref": "#/components/schemas/" + name}
problem_content = {"application/problem+json": {"schema": S("Problem")}}
def prob(desc, headers=None):
  r = {"description": desc, "content": problem_content}
  if headers: r["headers"] = headers
  return r
responses = {
 "BadRequest": prob("Bad parameter or body (/problems/invalid-parameter, /problems/invalid-body, /problems/bad-request)."),
 "Unauthorized": prob("Missing or wrong bearer token (/problems/unauthorized).", {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm=\"daemon1\""}}),
 "NotFound": prob("No such collection or feature (/problems/no-such-collection, /problems/no-such-feature, /problems/not-found)."),
 "NotAcceptable": prob("Accept admits none of the types served (/problems/not-acceptable)."),
 "Conflict": prob("The id exists already (/problems/conflict)."),
 "PreconditionFailed": prob("If-Match failed (/problems/precondition-failed)."),
 "TooLarge": prob("Body or bulk too large (/problems/payload-too-large)."),
 "UnsupportedMediaType": prob("Content-Type not accepted (/problems/unsupported-media-type)."),
 "InvalidGeometry": prob("Invalid geometry (/problems/invalid-geometry), or an Idempotency-Key used for another request (/problems/idempotency-key-reused)."),
 "Overloaded": prob("Overloaded, starting, out of budget, or read-only for writes (/problems/overloaded, /problems/read-only).", {"Retry-After": {"schema": {"type": "integer"}}}),
 "InsufficientStorage": prob("The disk is full; the write was not made (/problems/insufficient-storage)."),
 "Error": prob("Any other problem: the engine's HTTP-level statuses (405, 408, 414, 417, 431, 500, 501, 505)."),
}
common_errors = {"406": P("NotAcceptable"), "503": P("Overloaded"), "default": P("Error")}
def errs(*codes):
  d = dict(common_errors)
  m = {"400": "BadRequest", "401": "Unauthorized", "404": "NotFound", "409": "Conflict", "412": "PreconditionFailed",
       "413": "TooLarge", "415": "UnsupportedMediaType", "422": "InvalidGeometry", "507": "InsufficientStorage"}
  for c in codes: d[c] = P(m[c])
  return d
num = {"type": "number"}
position = {"type": "array", "minItems": 2, "maxItems": 3, "items": num}
geom = lambda t, coords: {"type": "object", "required": ["type", "coordinates"], "properties": {"type": {"type": "string", "enum": [t]}, "coordinates": coords, "bbox": {"type": "array", "items": num}}}
schemas = {
 "Problem": problem_schema,
 "Link": {"type": "object", "required": ["href", "rel"], "properties": {
   "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"},
   "method": {"type": "string", "description": "on the next link of a search: POST"},
   "merge": {"type": "boolean"}, "body": {"type": "object"}}},
 "Links": {"type": "array", "items": S("Link")},
 "Point": geom("Point", position),
 "MultiPoint": geom("MultiPoint", {"type": "array", "items": position}),
 "LineString": geom("LineString", {"type": "array", "minItems": 2, "items": position}),
 "MultiLineString": geom("MultiLineString", {"type": "array", "items": {"type": "array", "minItems": 2, "items": position}}),
 "Polygon": geom("Polygon", {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 4, "items": position}}),
 "MultiPolygon": geom("MultiPolygon", {"type": "array", "items": {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 4, "items": position}}}),
 "GeometryCollection": {"type": "object", "required": ["type", "geometries"], "properties": {"type": {"type": "string", "enum": ["GeometryCollection"]}, "geometries": {"type": "array", "items": S("Geometry")}}},
 "Geometry": {"description": "A GeoJSON geometry (RFC 7946 §3.1), longitude and latitude in WGS 84; rings closed, at least 4 positions; GeometryCollections nested at most 8 deep.",
   "oneOf": [S(t) for t in ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"]]},
 "FeatureID": {"description": "a string of 1 to 256 bytes, or a number (kept as a number)", "oneOf": [{"type": "string", "minLength": 1}, {"type": "number"}]},
 "Feature": {"type": "object", "required": ["type", "geometry"], "properties": {
   "type": {"type": "string", "enum": ["Feature"]}, "id": S("FeatureID"),
   "geometry": {"description": "the geometry, or null for an unlocated feature (RFC 7946 §3.2: listed, never found by a spatial query)", "nullable": True, "allOf": [S("Geometry")]},
   "properties": {"type": "object", "nullable": True},
   "distance": {"type": "number", "description": "nearby search only: metres from the point (great circle on a sphere of radius 6371008.8 m)"},
   "links": S("Links")}},
 "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
   "type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array", "items": S("Feature")},
   "numberReturned": {"type": "integer", "minimum": 0},
   "numberMatched": {"type": "integer", "minimum": 0, "description": "present when known: always without bbox, and when the bbox or search matches at most 4096 candidates; for a nearby search with a radius, only where the circle is sparse (a dense circle is answered from a smaller one that holds the page)"},
   "timeStamp": {"type": "string", "format": "date-time"},
   "next": {"type": "string", "description": "the cursor of the next page, when there may be one"},
   "links": S("Links")}},
 "Collection": {"type": "object", "required": ["id", "links"], "properties": {
   "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
   "itemType": {"type": "string", "enum": ["feature"]}, "crs": {"type": "array", "items": {"type": "string"}, "description": "the CRSs a read may ask for (crs, bbox-crs)"},
   "storageCrs": {"type": "string", "description": "the CRS features are kept in: CRS84"},
   "extent": {"type": "object", "properties": {"spatial": {"type": "object", "properties": {
     "bbox": {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 4, "maxItems": 4, "items": num}}, "crs": {"type": "string"}}}}},
   "links": S("Links")}},
 "Collections": {"type": "object", "required": ["collections", "links"], "properties": {"collections": {"type": "array", "items": S("Collection")}, "links": S("Links")}},
 "CollectionMeta": {"type": "object", "additionalProperties": False, "properties": {"title": {"type": "string"}, "description": {"type": "string"}}},
 "Landing": {"type": "object", "required": ["links"], "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "links": S("Links")}},
 "Conformance": {"type": "object", "required": ["conformsTo"], "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
 "Inserted": {"type": "object", "required": ["inserted"], "additionalProperties": False, "properties": {
    "inserted": {"type": "integer", "minimum": 0, "description": "features created"},
    "skipped": {"type": "integer", "minimum": 0, "description": "under if-exists=skip: features whose id was taken, left as stored"},
    "replaced": {"type": "integer", "minimum": 0, "description": "under if-exists=replace: features whose id was taken, replaced"}}},
 "Search": {"type": "object", "description": "exactly one of intersects, within and nearby", "additionalProperties": False, "properties": {
   "intersects": S("Geometry"), "within": S("Geometry"),
   "nearby": {"type": "object", "required": ["point"], "additionalProperties": False, "properties": {
     "point": {"type": "array", "minItems": 2, "maxItems": 2, "items": num, "description": "[longitude, latitude]"},
     "k": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10},
     "radius": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "description": "metres"}}},
   "limit": {"type": "integer", "minimum": 1, "default": 10, "description": "page size; above 10000 means 10000"},
   "cursor": {"type": "string", "description": "the next cursor of the previous page, unchanged"},
   "filter": {"description": "a CQL2 filter the features must pass too: a cql2-text string, or a cql2-json object", "oneOf": [{"type": "string"}, {"type": "object"}]},
   "filter-lang": {"type": "string", "enum": ["cql2-text", "cql2-json"], "description": "the filter's encoding: by default cql2-text for a string, cql2-json for an object"}}},
 "MergePatch": {"type": "object", "description": "an RFC 7396 merge patch of the feature: geometry and/or properties; the id cannot change"},
}
params = {
 "collection": {"name": "collectionId", "in": "path", "required": True, "description": "collection name: 1–64 letters, digits, '_', '-' or '.'", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]{0,63}$"}},
 "featureId": {"name": "featureId", "in": "path", "required": True, "description": "feature id (1–256 bytes, percent-encoded as needed)", "schema": {"type": "string"}},
 "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False, "description": "page size; above the maximum means the maximum",
   "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10}},
 "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False, "description": "minLon,minLat,maxLon,maxLat in CRS84 (or the 6-number form, heights ignored); features whose geometry intersects it; minLon > maxLon is a box across the antimeridian",
   "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
 "bbox-crs": {"name": "bbox-crs", "in": "query", "required": False, "description": "the CRS of bbox, in its axis order: CRS84 (longitude, latitude; the default), EPSG:4326 (latitude, longitude) or EPSG:3857 (Web Mercator metres)", "schema": {"type": "string", "enum": CRSS}},
 "crs": {"name": "crs", "in": "query", "required": False, "description": "the CRS of the geometries answered, in its axis order (Content-Crs says which): CRS84 (the default), EPSG:4326 (latitude first) or EPSG:3857 (Web Mercator metres; latitudes beyond ±85.0511° are clamped)", "schema": {"type": "string", "enum": CRSS}},
 "cursor": {"name": "cursor", "in": "query", "required": False, "description": "the cursor of a next link, unchanged", "schema": {"type": "string"}},
 "properties": {"name": "properties", "in": "query", "required": False, "style": "form", "explode": False, "description": "the properties to keep in each feature, comma-separated (empty: none); each must be one of the collection's queryables", "schema": {"type": "array", "items": {"type": "string"}}},
 "sortby": {"name": "sortby", "in": "query", "required": False, "style": "form", "explode": False, "description": "queryables to sort by, comma-separated, each with - for descending (+ or nothing: ascending); then by id. At most 10000 features are sorted (a 400 says to narrow the listing with bbox or filter); the next link's cursor pages in order under writes", "schema": {"type": "array", "items": {"type": "string"}}},
 "skipGeometry": {"name": "skipGeometry", "in": "query", "required": False, "description": "true: each feature's geometry is null", "schema": {"type": "boolean", "default": False}},
 "filter": {"name": "filter", "in": "query", "required": False, "description": "a CQL2 filter (OGC API - Features Part 3) over the collection's queryables: comparisons, IS NULL, AND/OR/NOT, LIKE, BETWEEN, IN, property-property, S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS of the geometry with POINT, BBOX, LINESTRING, POLYGON, MULTI* or GEOMETRYCOLLECTION literals; a page may come back short with a next link", "schema": {"type": "string"}},
 "filter-lang": {"name": "filter-lang", "in": "query", "required": False, "description": "the filter's encoding", "schema": {"type": "string", "enum": ["cql2-text", "cql2-json", "cql-text"], "default": "cql2-text"}, "x-note": "cql-text is the drafts' name of cql2-text, as GDAL before 3.7 sends it"},
 "filter-crs": {"name": "filter-crs", "in": "query", "required": False, "description": "the CRS of the filter's coordinates: CRS84 only", "schema": {"type": "string", "enum": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]}},
 "f": {"name": "f", "in": "query", "required": False, "description": "the format: json (or geojson, the same), or html: a page for a browser where one is served (the landing page, conformance, the API, the collections, a collection, its features, a feature); an Accept that prefers text/html asks for the page too", "schema": {"type": "string", "enum": ["json", "geojson", "html"]}},
 "ifMatch": {"name": "If-Match", "in": "header", "required": False, "description": "a strong ETag of the feature, or *", "schema": {"type": "string"}},
}
def R(n): return {"$ref": "#/components/parameters/" + n}
etag = {"ETag": {"description": "the feature's version", "schema": {"type": "string"}}}
location = {"Location": {"description": "the path of the new resource", "schema": {"type": "string"}}}
geojson_types = lambda ref: {"application/geo+json": {"schema": ref}, "application/json": {"schema": ref}}
sec = [{"bearer": []}]
paths = {
 "/": {"get": {"operationId": "getLandingPage", "summary": "Landing page", "tags": ["Capabilities"], "parameters": [R("f")],
   "responses": {"200": resp("links to the API definition, conformance and collections", S("Landing")), **common_errors}}},
 "/conformance": {"get": {"operationId": "getConformance", "summary": "Conformance classes passed", "tags": ["Capabilities"], "parameters": [R("f")],
   "responses": {"200": resp("the conformance classes", S("Conformance")), **common_errors}}},
 "/api": {"get": {"operationId": "getAPI", "summary": "This OpenAPI document", "tags": ["Capabilities"], "parameters": [R("f")],
   "responses": {"200": {"description": "the OpenAPI 3.0 document", "content": {"application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}}}, **common_errors}}},
 "/problems/{name}": {"get": {"operationId": "getProblemType", "summary": "What a problem type means: the type URI of an error answer resolves here", "tags": ["Capabilities"],
   "parameters": [{"name": "name", "in": "path", "required": True, "description": "the last segment of a problem type URI, e.g. no-such-feature", "schema": {"type": "string"}},
     {"name": "f", "in": "query", "required": False, "description": "json (the default) or html (also chosen by an Accept that prefers text/html)", "schema": {"type": "string", "enum": ["json", "html"]}}],
   "responses": {"200": {"description": "the problem type's title, HTTP status and description",
       "content": {"application/json": {"schema": {"type": "object", "required": ["type", "title", "status", "description"],
         "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "description": {"type": "string"}}}},
         "text/html": {"schema": {"type": "string"}}}}, **errs("404")}}},
 "/collections": {"get": {"operationId": "getCollections", "summary": "Every collection", "tags": ["Collections"], "parameters": [R("f")],
   "responses": {"200": resp("the collections, by name", S("Collections")), **common_errors}}},
 "/collections/{collectionId}": {"parameters": [R("collection")],
   "get": {"operationId": "describeCollection", "summary": "One collection", "tags": ["Collections"], "parameters": [R("f")],
     "responses": {"200": resp("the collection", S("Collection")), **errs("404")}},
   "put": {"operationId": "createCollection", "summary": "Create a collection (idempotent); the body sets its title and description", "tags": ["Collections"], "security": sec,
     "requestBody": {"required": False, "content": {"application/json": {"schema": S("CollectionMeta")}}},
     "responses": {"200": resp("it existed (title and description updated if given)", S("Collection")),
                   "201": resp("created", S("Collection"), headers=location), **errs("400", "401", "415", "507")}},
   "delete": {"operationId": "dropCollection", "summary": "Drop a collection with all its features", "tags": ["Collections"], "security": sec,
     "responses": {"204": {"description": "dropped"}, **errs("401", "404", "507")}}},
 "/collections/{collectionId}/queryables": {"parameters": [R("collection")],
   "get": {"operationId": "getQueryables", "summary": "The properties a filter may name: a JSON Schema, kept current by every write", "tags": ["Collections"], "parameters": [R("f")],
     "responses": {"200": {"description": "each top-level property the collection's features hold, with the JSON types they hold it with, and geometry",
        "content": {"application/schema+json": {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}}}, **errs("404")}}},
 "/collections/{collectionId}/items": {"parameters": [R("collection")],
   "get": {"operationId": "getFeatures", "summary": "A page of features, in id order; follow the next link for more", "tags": ["Data"],
     "parameters": [R("bbox"), R("bbox-crs"), R("limit"), R("cursor"), R("f"), R("filter"), R("filter-lang"), R("filter-crs"), R("properties"), R("skipGeometry"), R("sortby"), R("crs"),
       {"name": "queryables", "in": "query", "required": False, "style": "form", "explode": True,
        "description": "equality on queryables: ?name=A is the filter name = 'A' (a number or boolean for a property of that type); the collection's queryables are its properties (GET …/queryables); any other parameter is a 400",
        "schema": {"type": "object", "additionalProperties": {"type": "string"}}}],
     "responses": {"200": {"description": "a page of features; it may be short (even empty) when the budget ran out: a next link says there may be more",
        "content": geojson_types(S("FeatureCollection"))}, **errs("400", "404")}},
   "post": {"operationId": "createFeatures", "summary": "Create a feature, or insert many (all or nothing)", "tags": ["Data"], "security": sec,
     "parameters": [{"name": "if-exists", "in": "query", "required": False, "schema": {"type": "string", "enum": ["fail", "skip", "replace"], "default": "fail"},
        "description": "what a feature whose id is taken does: fail (the whole request is a 409 and nothing is written), skip (the stored feature stays; the others are inserted) or replace (it is stored over the old one: an upsert). Still all or nothing: a refused request writes nothing. The answer counts what was skipped or replaced."},
      {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": "makes the write happen at most once: a retry with the same key and the same request (collection, Content-Type, body) within a day is not written again and gets the first answer, marked Idempotent-Replayed: true; the same key with another request is a 422 (/problems/idempotency-key-reused). Visible ASCII, 1 to 255 bytes."}],
     "requestBody": {"required": True, "content": {
        "application/geo+json": {"schema": {"oneOf": [S("Feature"), S("FeatureCollection")]}},
        "application/json": {"schema": {"oneOf": [S("Feature"), S("FeatureCollection")]}},
        "application/geo+json-seq": {"schema": {"type": "string", "description": "RFC 8142: each Feature after the record separator 0x1E, ended by a line feed; or, without 0x1E, one Feature a line (GDAL's GeoJSONSeq)"}},
        "application/x-ndjson": {"schema": {"type": "string", "description": "newline-delimited GeoJSON: one Feature a line (application/ndjson too)"}},
        "application/ndjson": {"schema": {"type": "string", "description": "newline-delimited GeoJSON: one Feature a line"}}}},
     "responses": {"201": {"description": "a Feature: it, as stored, with Location and ETag; a FeatureCollection or sequence: the count inserted. A retry with the same Idempotency-Key gets the first answer again.",
        "headers": {**location, **etag, "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}, "description": "present on the answer to a retried request: this is the first request's answer, and nothing was written again"}},
        "content": {"application/geo+json": {"schema": S("Feature")}, "application/json": {"schema": S("Inserted")}}},
       **errs("400", "401", "404", "409", "413", "415", "422", "507")}}},
 "/collections/{collectionId}/items/{featureId}": {"parameters": [R("collection"), R("featureId")],
   "get": {"operationId": "getFeature", "summary": "One feature", "tags": ["Data"], "parameters": [R("f"), R("properties"), R("skipGeometry"), R("crs"),
        {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}}],
     "responses": {"200": {"description": "the feature", "headers": etag, "content": geojson_types(S("Feature"))},
                   "304": {"description": "If-None-Match matched", "headers": etag}, **errs("404")}},
   "put": {"operationId": "replaceFeature", "summary": "Create or replace a feature", "tags": ["Data"], "security": sec, "parameters": [R("ifMatch")],
     "requestBody": {"required": True, "content": {"application/geo+json": {"schema": S("Feature")}, "application/json": {"schema": S("Feature")}}},
     "responses": {"200": {"description": "replaced", "headers": etag, "content": {"application/geo+json": {"schema": S("Feature")}}},
                   "201": {"description": "created", "headers": {**etag, **location}, "content": {"application/geo+json": {"schema": S("Feature")}}},
                   **errs("400", "401", "404", "412", "415", "422", "507")}},
   "patch": {"operationId": "updateFeature", "summary": "Update a feature with a JSON merge patch", "tags": ["Data"], "security": sec, "parameters": [R("ifMatch")],
     "requestBody": {"required": True, "content": {"application/merge-patch+json": {"schema": S("MergePatch")}, "application/json": {"schema": S("MergePatch")}}},
     "responses": {"200": {"description": "updated", "headers": etag, "content": {"application/geo+json": {"schema": S("Feature")}}},
                   **errs("400", "401", "404", "412", "415", "422", "507")}},
   "delete": {"operationId": "deleteFeature", "summary": "Delete a feature", "tags": ["Data"], "security": sec, "parameters": [R("ifMatch")],
     "responses": {"204": {"description": "deleted"}, **errs("401", "404", "412", "507")}}},
 "/collections/{collectionId}/search": {"parameters": [R("collection")],
   "post": {"operationId": "searchFeatures", "summary": "Spatial search: intersects, within, or the k nearest", "tags": ["Data"],
     "requestBody": {"required": True, "content": {"application/json": {"schema": S("Search")}}},
     "responses": {"200": {"description": "a page of features (id order; nearby: nearest first, each with its distance); next holds the cursor of the next page",
        "content": geojson_types(S("FeatureCollection"))}, **errs("400", "404", "415", "422")}}},
 "/healthz": {"get": {"operationId": "healthz", "summary": "200 while the process serves", "tags": ["Operations"],
   "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
 "/readyz": {"get": {"operationId": "readyz", "summary": "200 once start-up (the replay of the append-only file) is done; 503 while starting, draining, or read-only after a failed fsync", "tags": ["Operations"],
   "responses": {"200": {"description": "ready", "content": {"text/plain": {"schema": {"type": "string"}}}},
                 "503": {"description": "starting or draining", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
 "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus text format (needs the bearer token under -auth-metrics)", "tags": ["Operations"],
   "responses": {"200": {"description": "the metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}, **errs("401")}}},
 "/admin/errors": {"get": {"operationId": "adminErrors", "summary": "The newest errors and counts by kind (needs the bearer token when the server has one)", "tags": ["Operations"],
   "responses": {"200": resp("errors", {"type": "object", "properties": {"counts": {"type": "object", "additionalProperties": {"type": "integer"}},
      "stats": {"type": "object"}, "recent": {"type": "array", "items": {"type": "object"}}}}), **errs("401")}}},
}
doc = {
 "openapi": "3.0.3",
 "info": {"title": "daemon1", "version": "1.0.0",
   "description": "Geometry OS's request daemon: OGC API – Features (Part 1 Core and GeoJSON, Part 4 create, replace, update, delete) with spatial search. Coordinates are longitude, latitude in WGS 84 (CRS84); distances are metres on the sphere. Every response leaves within the request budget (default 10 ms): a listing or search that cannot finish answers the page it has with a next link. Writes need a bearer token when the server has one, and are acknowledged only once durable in the append-only file (under -fsync always, synced).",
   "license": {"name": "see the repository"}},

 "tags": [{"name": "Capabilities"}, {"name": "Collections"}, {"name": "Data"}, {"name": "Operations"}],
 "paths": paths,
 "components": {"schemas": schemas, "parameters": params, "responses": responses,
   "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "the token of -auth-token-file; reads need none"}}},
 "x-problem-types": {"/problems/" + k: {"status": v[0], "description": v[1]} for k, v in problems.items()},
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api", "openapi.json")
# The pages a browser reads: their GETs answer text/html too.
for path in ["/", "/conformance", "/api", "/collections", "/collections/{collectionId}", "/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"]:
  ok = paths[path]["get"]["responses"]["200"]
  ok.setdefault("content", {})["text/html"] = {"schema": {"type": "string", "description": "a page for a browser, with a map drawn as SVG"}}
with open(out, "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
