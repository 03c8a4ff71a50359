// Package api holds daemon1's HTTP handlers: OGC API – Features (Part 1
// Core and GeoJSON, Part 4 create, replace, update, delete) over the store,
// spatial search, the OpenAPI document, and the operators' endpoints.
//
// Reads run inline on the event loop (they only touch memory and stop at
// the request's budget); writes run on the worker pool, but for a PUT of a
// feature, parsed on the loop and answered by the store's committer once
// durable (server.Hold), without a worker waiting. Hot responses (one
// feature, pages of features) are appended into the response's own body
// buffer; the rarer documents go through goccy/go-json.
package api
