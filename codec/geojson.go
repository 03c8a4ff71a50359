package codec

import (
	"math"
	"strconv"
)

// GeoJSONContentType is the media type of GeoJSON (RFC 7946).
const GeoJSONContentType = "application/geo+json"

// AppendFloat appends v as a JSON number in its shortest form that reads
// back as the same float64. NaN and infinities, which JSON cannot hold,
// are a programmer's mistake: nothing stored or computed here is either.
func AppendFloat(dst []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		panic("BUG: AppendFloat of a non-finite number")
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

// AppendPoint appends a GeoJSON Point geometry with two coordinates.
func AppendPoint(dst []byte, lon, lat float64) []byte {
	dst = append(dst, `{"type":"Point","coordinates":[`...)
	dst = AppendFloat(dst, lon)
	dst = append(dst, ',')
	dst = AppendFloat(dst, lat)
	return append(dst, "]}"...)
}
