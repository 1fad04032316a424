package evaluator

import (
	"fmt"
	"math"
	"strings"
)

// The canonical stimulus order of NeuralData's stimulus axis and of every
// activation's first axis: the order the simulator runs the six Rodgers
// stimuli in (Chung et al. 2025, paper-spec §3.7), which the spec recommends
// as the one fixed order for a re-implementation (§1.3). The neural labels
// say "close" where the simulator says "near".
const (
	StimulusConcaveNear   = "concave near"
	StimulusConcaveMedium = "concave medium"
	StimulusConcaveFar    = "concave far"
	StimulusConvexNear    = "convex near"
	StimulusConvexMedium  = "convex medium"
	StimulusConvexFar     = "convex far"
)

// StimulusOrder returns the six canonical stimulus names in axis order.
func StimulusOrder() [6]string {
	return [6]string{StimulusConcaveNear, StimulusConcaveMedium, StimulusConcaveFar,
		StimulusConvexNear, StimulusConvexMedium, StimulusConvexFar}
}

// stimulusName names stimulus index s for error messages.
func stimulusName(s, stimuli int) string {
	if stimuli == 6 {
		return fmt.Sprintf("%d (%s)", s, StimulusOrder()[s])
	}
	return fmt.Sprint(s)
}

// Target names that are not animals.
const (
	// PooledTarget is the NaN-padded concatenation of all animals along
	// units, the paper's "concatenated" target (paper-spec §1.3).
	PooledTarget = "pooled"
	// AnimalMeanTarget labels rsa-v2's model score: the mean over animals.
	AnimalMeanTarget = "animal-mean"
)

// Animal is one animal's responses: Data is row-major (Trials, Stimuli,
// Units), the mean firing rate of each unit on each trial, with stimuli in
// StimulusOrder. NaN marks a missing entry: the padded trial rows of a
// shorter session when sessions are stacked along units (paper-spec §1.3).
type Animal struct {
	ID      string
	Trials  int
	Stimuli int
	Units   int
	Data    []float64
}

// NeuralData is the neural side of an evaluation: the animals, in a fixed
// order (the pooled population concatenates them in this order).
type NeuralData struct {
	Animals []Animal
}

// Validate checks the shapes, names and values of d: at least one animal;
// unique, non-empty IDs that are not reserved target names and contain no
// "->"; the same stimulus count (≥ 3) for every animal; at least 2 trial
// rows and 1 unit; Data of the stated size; no infinity; and at least one
// finite trial for every (stimulus, unit), so that every full trial mean is
// defined.
func (d NeuralData) Validate() error {
	if len(d.Animals) == 0 {
		return fmt.Errorf("neural data: no animals")
	}
	seen := map[string]bool{}
	for i, a := range d.Animals {
		switch {
		case a.ID == "":
			return fmt.Errorf("neural data: animal %d has an empty ID", i)
		case a.ID == PooledTarget || a.ID == AnimalMeanTarget:
			return fmt.Errorf("neural data: animal ID %q is reserved for a target name", a.ID)
		case strings.Contains(a.ID, "->"):
			return fmt.Errorf("neural data: animal ID %q contains \"->\", which names pairs", a.ID)
		case seen[a.ID]:
			return fmt.Errorf("neural data: animal ID %q appears twice", a.ID)
		}
		seen[a.ID] = true
		if err := a.validate(); err != nil {
			return fmt.Errorf("neural data: animal %q: %w", a.ID, err)
		}
		if a.Stimuli != d.Animals[0].Stimuli {
			return fmt.Errorf("neural data: animal %q has %d stimuli, animal %q has %d", a.ID, a.Stimuli, d.Animals[0].ID, d.Animals[0].Stimuli)
		}
	}
	return nil
}

func (a Animal) validate() error {
	if a.Stimuli < 3 {
		return fmt.Errorf("%d stimuli, need at least 3 for an RSA", a.Stimuli)
	}
	if a.Trials < 2 {
		return fmt.Errorf("%d trial rows, need at least 2 to split in halves", a.Trials)
	}
	if a.Units < 1 {
		return fmt.Errorf("%d units, need at least 1", a.Units)
	}
	su := a.Stimuli * a.Units
	if a.Trials > math.MaxInt/su || len(a.Data) != a.Trials*su {
		return fmt.Errorf("shape (%d, %d, %d) needs %d values, Data has %d", a.Trials, a.Stimuli, a.Units, a.Trials*su, len(a.Data))
	}
	cnt := make([]int, su)
	for i, v := range a.Data {
		if math.IsInf(v, 0) {
			t, e := i/su, i%su
			return fmt.Errorf("trial %d stimulus %s unit %d is %v", t, stimulusName(e/a.Units, a.Stimuli), e%a.Units, v)
		}
		if !math.IsNaN(v) {
			cnt[i%su]++
		}
	}
	for e, c := range cnt {
		if c == 0 {
			return fmt.Errorf("stimulus %s unit %d has no finite trial, so its trial mean is undefined", stimulusName(e/a.Units, a.Stimuli), e%a.Units)
		}
	}
	return nil
}

// ZeroFillRows returns the trial rows of a that show the zero-fill quirk of
// the paper's neural arrays (Chung et al. 2025, paper-spec §1.3): the arrays
// were zero-initialised and only the trial's own stimulus column written,
// so the other stimulus columns of that row hold exact zeros instead of NaN.
//
// A row is flagged when it has at least one unit with data and every unit
// with data in the row (some entry finite) has all its stimulus columns
// finite and at most one of them non-zero. The test is per unit rather than
// "one column for the whole row" because an animal's sessions are stacked
// along units, so one row holds trials of different sessions, whose own
// stimuli may differ.
func (a Animal) ZeroFillRows() []int {
	var rows []int
	s, u := a.Stimuli, a.Units
	for t := range a.Trials {
		row := a.Data[t*s*u : (t+1)*s*u]
		hasData, ok := false, true
		for k := 0; k < u && ok; k++ {
			finite, nonzero := 0, 0
			for st := range s {
				v := row[st*u+k]
				if !math.IsNaN(v) {
					finite++
					if v != 0 {
						nonzero++
					}
				}
			}
			switch {
			case finite == 0:
			case finite == s && nonzero <= 1:
				hasData = true
			default:
				ok = false
			}
		}
		if hasData && ok {
			rows = append(rows, t)
		}
	}
	return rows
}

// withoutZeroFill returns a copy of a's data in which the filled zeros of
// the rows ZeroFillRows reports are NaN (missing), as rsa-v2 treats them.
// In a flagged row each unit keeps its one non-zero column; a unit that is
// zero in every column (silent on that trial) keeps the column of the
// nearest unit in the row that has one, or nothing when no unit has one.
func (a Animal) withoutZeroFill(rows []int) []float64 {
	out := append([]float64(nil), a.Data...)
	s, u := a.Stimuli, a.Units
	own := make([]int, u)
	for _, t := range rows {
		row := out[t*s*u : (t+1)*s*u]
		for k := range u {
			own[k] = -1
			for st := range s {
				if v := row[st*u+k]; !math.IsNaN(v) && v != 0 {
					own[k] = st
				}
			}
		}
		for k := range u {
			if math.IsNaN(row[k]) {
				continue // padding: already missing
			}
			keep := own[k]
			for d := 1; keep < 0 && d < u; d++ {
				if k-d >= 0 && own[k-d] >= 0 {
					keep = own[k-d]
				} else if k+d < u && own[k+d] >= 0 {
					keep = own[k+d]
				}
			}
			for st := range s {
				if st != keep {
					row[st*u+k] = math.NaN()
				}
			}
		}
	}
	return out
}
