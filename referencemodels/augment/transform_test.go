package augment

import (
	"math/rand/v2"
	"testing"
)

// TestParse checks every config name maps to the right transform and back.
func TestParse(t *testing.T) {
	cases := []struct {
		name string
		want Transform
	}{
		{"tactile", Tactile{TemporalReversal: true}},
		{"tactile-no-temporal", Tactile{TemporalReversal: false}},
		{"image", ImageStyle{JitterProb: 0.8, ChannelScale: 0.4, Contrast: 0.4, GreyscaleProb: 0.2}},
		{"none", None{}},
	}
	for _, tc := range cases {
		got, err := Parse(tc.name)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %#v, want %#v", tc.name, got, tc.want)
		}
		if got.Name() != tc.name {
			t.Errorf("Parse(%q).Name() = %q", tc.name, got.Name())
		}
	}
	if len(Names()) != len(cases) {
		t.Errorf("Names() = %v, want the %d names above", Names(), len(cases))
	}
	for _, bad := range []string{"", "Tactile", " tactile", "tactile ", "img", "image-style", "tactile-no-temporal\x00"} {
		if tr, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, tr)
		}
	}
}

// TestNone checks the identity transform copies, draws nothing and checks
// its input.
func TestNone(t *testing.T) {
	x := randomInput(2, 41)
	rng := rand.New(rand.NewPCG(1, 2))
	got, d, err := None{}.Apply(x, rng)
	if err != nil {
		t.Fatal(err)
	}
	sameArray(t, "None", got, x)
	if &got.F32[0] == &x.F32[0] {
		t.Fatal("None shares the input's data")
	}
	if d.String() != "identity" {
		t.Errorf("None drew %v", d)
	}
	for name, bad := range badInputs() {
		if _, _, err := (None{}).Apply(bad, rng); err == nil {
			t.Errorf("None accepted %s input", name)
		}
	}
}

// TestDrawString checks the log line of a draw.
func TestDrawString(t *testing.T) {
	cases := []struct {
		d    Draw
		want string
	}{
		{Draw{}, "identity"},
		{Draw{Reflection: Horizontal, Rotation: 3, TemporalReversed: true}, "reflect=horizontal rotate=3 reverse=true"},
		{Draw{Rotation: 4}, "reflect=none rotate=4 reverse=false"},
		{Draw{Jittered: true, Contrast: 1.25, Greyscale: true}, "jitter=true contrast=1.25 greyscale=true"},
		{Draw{Reflection: 9, Rotation: 1}, "reflect=Reflection(9) rotate=1 reverse=false"},
	}
	for _, tc := range cases {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.d, got, tc.want)
		}
	}
}

// FuzzParse checks Parse never panics and that any name it accepts is one
// of Names() and is the transform's Name.
func FuzzParse(f *testing.F) {
	for _, n := range Names() {
		f.Add(n)
	}
	f.Add("Tactile")
	f.Add("")
	f.Fuzz(func(t *testing.T, name string) {
		tr, err := Parse(name)
		if err != nil {
			if tr != nil {
				t.Fatalf("Parse(%q) returned %v with error %v", name, tr, err)
			}
			return
		}
		if tr.Name() != name {
			t.Fatalf("Parse(%q).Name() = %q", name, tr.Name())
		}
	})
}
