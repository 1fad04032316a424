package app_test

import (
	"archive/zip"
	"bytes"
	"math"
	"testing"

	"github.com/whiskerbench/whiskerbench/datasets/ndarray"
	"github.com/whiskerbench/whiskerbench/datasets/npz"
)

func nanValue() float64 { return math.NaN() }

func zipWith(t *testing.T, method uint16, name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	zw.Close()
	return buf.Bytes()
}

func hugeHeaderNPZ(t *testing.T) []byte {
	return zipWith(t, zip.Store, "neural__x.npy", append([]byte("\x93NUMPY\x02\x00"), 0, 0, 0, 0x40))
}

func traversalNPZ(t *testing.T) []byte {
	var one bytes.Buffer
	npz.WriteNPY(&one, ndarray.Zeros32(6, 4))
	return zipWith(t, zip.Store, "../neural__x.npy", one.Bytes())
}

func zipBomb(t *testing.T) []byte {
	var one bytes.Buffer
	npz.WriteNPY(&one, ndarray.Zeros32(6, 4))
	return zipWith(t, zip.Deflate, "neural__x.npy", append(one.Bytes(), make([]byte, 200<<20)...))
}
