// Package api holds daemon1's HTTP handlers. For now it has the operational
// endpoints; the OGC API – Features handlers join it with the store.
package api
