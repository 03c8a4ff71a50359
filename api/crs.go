package api

import (
	"math"
	"strconv"

	"github.com/geometryos/daemon1/codec"
)

// Coordinate reference systems (OGC API – Features Part 2): features are
// stored in CRS84 (longitude, latitude); a read may ask for them, and give
// its bbox, in EPSG:4326 (latitude first) or EPSG:3857 (Web Mercator,
// metres). Filters stay in CRS84.

// crs is one of the CRSs served.
type crs uint8

const (
	crsCRS84 crs = iota
	crs4326
	crs3857
)

// crsURIs are the CRSs served, by their URIs, in crs order.
var crsURIs = []string{crs84, "http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/3857"}

// crsHeaders are the Content-Crs values of crsURIs.
var crsHeaders = []string{"<" + crsURIs[0] + ">", "<" + crsURIs[1] + ">", "<" + crsURIs[2] + ">"}

// crsList is crsURIs as a JSON array.
var crsList = func() string {
	b := []byte{'['}
	for i, u := range crsURIs {
		if i > 0 {
			b = append(b, ',')
		}
		b = codec.AppendString(b, u)
	}
	return string(append(b, ']'))
}()

// parseCRS reads a crs or bbox-crs parameter ("" is CRS84).
func parseCRS(name string, raw []byte) (crs, error) {
	if len(raw) == 0 {
		return crsCRS84, nil
	}
	for i, u := range crsURIs {
		if string(raw) == u {
			return crs(i), nil
		}
	}
	return 0, errorf("%s %q is not served: one of %s", name, raw, crsList)
}

// mercator bounds: Web Mercator does not reach the poles.
const (
	earthR3857 = 6378137.0
	maxLat3857 = 85.0511287798066
)

// fromCRS84 turns a CRS84 position into c's axis order and units.
func (c crs) fromCRS84(lon, lat float64) (x, y float64) {
	switch c {
	case crs4326:
		return lat, lon
	case crs3857:
		lat = max(-maxLat3857, min(maxLat3857, lat))
		return earthR3857 * lon * math.Pi / 180, earthR3857 * math.Log(math.Tan(math.Pi/4+lat*math.Pi/360))
	}
	return lon, lat
}

// toCRS84 is fromCRS84's inverse.
func (c crs) toCRS84(x, y float64) (lon, lat float64) {
	switch c {
	case crs4326:
		return y, x
	case crs3857:
		return x / earthR3857 * 180 / math.Pi, (2*math.Atan(math.Exp(y/earthR3857)) - math.Pi/2) * 180 / math.Pi
	}
	return x, y
}

// appendGeometry appends the compact GeoJSON geometry g with each position
// in c. Positions are the arrays of 2 or 3 numbers (4 or 6 numbers: a bbox,
// two positions); white space never occurs (the store keeps it compact).
func (c crs) appendGeometry(dst []byte, g string) []byte {
	if c == crsCRS84 {
		return append(dst, g...)
	}
	for i := 0; i < len(g); {
		if g[i] == '"' { // a string: copied whole
			j := i + 1
			for j < len(g) && g[j] != '"' {
				if g[j] == '\\' {
					j++
				}
				j++
			}
			dst = append(dst, g[i:min(j+1, len(g))]...)
			i = j + 1
			continue
		}
		if g[i] == '[' && i+1 < len(g) && (g[i+1] == '-' || g[i+1] >= '0' && g[i+1] <= '9') {
			end := i + 1
			for end < len(g) && g[end] != ']' {
				end++
			}
			dst = c.appendNumbers(dst, g[i+1:end])
			i = end + 1
			continue
		}
		dst = append(dst, g[i])
		i++
	}
	return dst
}

// appendNumbers appends "[…]" of the comma-separated numbers s, each
// position (or bbox half) turned into c.
func (c crs) appendNumbers(dst []byte, s string) []byte {
	var v [6]float64
	n := 0
	for start := 0; start <= len(s) && n < len(v); {
		end := start
		for end < len(s) && s[end] != ',' {
			end++
		}
		v[n], _ = strconv.ParseFloat(s[start:end], 64)
		n++
		start = end + 1
	}
	dim := n
	if n == 4 || n == 6 {
		dim = n / 2
	}
	for i := 0; i+1 < n; i += dim {
		v[i], v[i+1] = c.fromCRS84(v[i], v[i+1])
	}
	dst = append(dst, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = codec.AppendFloat(dst, v[i])
	}
	return append(dst, ']')
}
