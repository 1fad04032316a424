package synth

import (
	"errors"
	"fmt"
	"math"
)

// BinWidth is the spike-count bin of the paper's neural arrays in seconds
// (BIN_SIZE = 0.045 s; Chung et al. 2025, paper-spec §1.2).
const BinWidth = 0.045

// StimulusCount is the number of Rodgers stimuli, in the order concave near,
// medium, far, convex near, medium, far (paper-spec §3.7, the canonical
// order of paper-spec §1.3 and evaluator.StimulusOrder).
const StimulusCount = 6

// stimulusOrder returns the names of the six stimuli in that order, the
// names of evaluator.StimulusOrder (this package may not import the
// evaluator; package calibration's tests check that the two agree).
func stimulusOrder() [StimulusCount]string {
	return [StimulusCount]string{"concave near", "concave medium", "concave far", "convex near", "convex medium", "convex far"}
}

// channels is the number of readout channels per whisker: Fx, Fy, Fz, Mx,
// My, Mz (whisker.Channels).
const channels = 6

// Config sets the synthetic cortex. DefaultConfig gives the calibrated
// values; every field is a design choice of this package unless its comment
// cites a source. Rates are in spikes/s, times in seconds, log-SDs are the
// standard deviations of the natural log of a log-normal factor.
type Config struct {
	// Seed selects the random draws; the output is a pure function of the
	// stimuli and the Config.
	Seed uint64

	// Animals and Units (in all, over animals) of the recording. Each animal
	// gets at least MinUnits; the rest is split unequally (log-normal
	// weights with log-SD UnitSpread).
	Animals    int
	Units      int
	MinUnits   int
	UnitSpread float64
	// MaxSessions per animal (each animal has 1..MaxSessions, drawn
	// uniformly); an animal's units are split among its sessions, which are
	// stacked along units with NaN padding (paper-spec §1.3).
	MaxSessions int
	// MinTrials..MaxTrials trials of each stimulus in each session (drawn
	// uniformly per session and stimulus); trials are presented in random
	// order, one stimulus per trial row.
	MinTrials, MaxTrials int

	// FrameRate of the stimulus readouts (Hz): the Rodgers stimuli are
	// simulated at HZ 1000 (paper-spec §3.7).
	FrameRate float64
	// MinWindow..MaxWindow is the response window of a trial, drawn
	// uniformly per trial and starting at the stimulus' first frame; the
	// paper's window runs from trial start to choice, so its length varies
	// (paper-spec §1.2). MaxWindow must fit in the readout.
	MinWindow, MaxWindow float64

	// Sites are the whiskers whose barrels the recording sites are centred
	// on, one drawn uniformly per animal. The Rodgers dataset tracks the
	// contacts of whiskers C0–C3 (processed_position_whisker_C0..C3,
	// contacts_by_whisker_C0..C3; paper-spec §1.1), so the default centres
	// the sites on those barrels.
	Sites []string
	// SiteSpread is the grid distance scale (in whisker spacings) over which
	// an animal's units pick their principal whisker around the animal's
	// recording site: P(w) ∝ exp(−d²(w, site)/(2·SiteSpread²)).
	SiteSpread float64
	// NeighbourProb is the chance that each grid neighbour of the principal
	// whisker is in a unit's receptive field, with a weight drawn uniformly
	// from NeighbourWeight (relative to the principal whisker's 1).
	NeighbourProb   float64
	NeighbourWeight [2]float64
	// ResponsiveFraction of units is driven by its receptive field; the rest
	// fire at their baseline rate only.
	ResponsiveFraction float64
	// FeatureConcentration is the Dirichlet concentration of each unit's
	// mix of the four drive features (|F|, |M|, |dF/dt|, |dM/dt|): small
	// values make units selective for one feature.
	FeatureConcentration float64
	// MinTau..MaxTau bounds the causal exponential filter's time constant,
	// drawn log-uniformly per unit.
	MinTau, MaxTau float64
	// MaxThreshold bounds the rectification threshold (in units of the
	// normalised drive), drawn uniformly in [0, MaxThreshold] per unit.
	MaxThreshold float64

	// BaselineRate is the median spontaneous rate, BaselineSpread its
	// log-SD across units.
	BaselineRate, BaselineSpread float64
	// RateScale is the median driven rate at saturation above baseline,
	// RateSpread its log-SD across units.
	RateScale, RateSpread float64
	// AnimalGainSpread is the log-SD of a per-animal factor on every
	// unit's driven rate.
	AnimalGainSpread float64
	// SharedGain is the log-SD of the trial-to-trial gain shared by all
	// units of a session on one trial; PrivateGain the log-SD of each
	// unit's own trial-to-trial gain. Both factors have mean 1.
	SharedGain, PrivateGain float64
}

// DefaultConfig returns the calibrated synthetic cortex (see package
// submissions/catalog/calibration for the calibration table) with the
// selected default seed 9.
func DefaultConfig() Config {
	return Config{
		Seed:        9,
		Animals:     11,
		Units:       999,
		MinUnits:    30,
		UnitSpread:  0.6,
		MaxSessions: 3,
		MinTrials:   25,
		MaxTrials:   60,

		FrameRate: 1000,
		MinWindow: 0.5,
		MaxWindow: 0.99,

		Sites:                []string{"RC0", "RC1", "RC2", "RC3"},
		SiteSpread:           1,
		NeighbourProb:        0.5,
		NeighbourWeight:      [2]float64{0.1, 0.5},
		ResponsiveFraction:   0.5,
		FeatureConcentration: 0.5,
		MinTau:               0.005,
		MaxTau:               0.05,
		MaxThreshold:         2,

		BaselineRate:     3,
		BaselineSpread:   0.8,
		RateScale:        1.3,
		RateSpread:       0.7,
		AnimalGainSpread: 0.5,
		SharedGain:       0.4,
		PrivateGain:      0.3,
	}
}

// Validate reports the first field that cannot be synthesised.
func (c Config) Validate() error {
	finite := func(name string, v, lo, hi float64) error {
		if math.IsNaN(v) || v < lo || v > hi {
			return fmt.Errorf("config: %s = %v outside [%v, %v]", name, v, lo, hi)
		}
		return nil
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	switch {
	case c.Animals < 2 || c.Animals > 99:
		add(fmt.Errorf("config: %d animals outside [2, 99] (names are synthNN; the ceiling needs two)", c.Animals))
	case c.MinUnits < 1:
		add(fmt.Errorf("config: MinUnits %d, need at least 1", c.MinUnits))
	case c.Units < c.Animals*c.MinUnits || c.Units > 1_000_000:
		add(fmt.Errorf("config: %d units cannot give %d animals at least %d each (or exceed 10^6)", c.Units, c.Animals, c.MinUnits))
	}
	if c.MaxSessions < 1 || c.MaxSessions > 100 {
		add(fmt.Errorf("config: MaxSessions %d outside [1, 100]", c.MaxSessions))
	}
	if c.MinTrials < 2 || c.MaxTrials < c.MinTrials || c.MaxTrials > 10_000 {
		add(fmt.Errorf("config: trials per stimulus %d..%d, need 2 ≤ min ≤ max ≤ 10000", c.MinTrials, c.MaxTrials))
	}
	add(finite("UnitSpread", c.UnitSpread, 0, 5))
	add(finite("FrameRate", c.FrameRate, 1, 1e6))
	add(finite("MinWindow", c.MinWindow, BinWidth/10, 100))
	add(finite("MaxWindow", c.MaxWindow, c.MinWindow, 100))
	if len(c.Sites) == 0 {
		add(fmt.Errorf("config: no recording sites"))
	}
	g := newWhiskerGrid()
	for _, name := range c.Sites {
		if g.index(name) < 0 {
			add(fmt.Errorf("config: site %q is not a whisker of the mouse array (%s…%s)", name, g.names[0], g.names[len(g.names)-1]))
		}
	}
	add(finite("SiteSpread", c.SiteSpread, 0.1, 100))
	add(finite("NeighbourProb", c.NeighbourProb, 0, 1))
	add(finite("NeighbourWeight[0]", c.NeighbourWeight[0], 0, 10))
	add(finite("NeighbourWeight[1]", c.NeighbourWeight[1], c.NeighbourWeight[0], 10))
	add(finite("ResponsiveFraction", c.ResponsiveFraction, 0, 1))
	add(finite("FeatureConcentration", c.FeatureConcentration, 0.01, 100))
	add(finite("MinTau", c.MinTau, 1e-4, 10))
	add(finite("MaxTau", c.MaxTau, c.MinTau, 10))
	add(finite("MaxThreshold", c.MaxThreshold, 0, 100))
	add(finite("BaselineRate", c.BaselineRate, 1e-3, 200))
	add(finite("BaselineSpread", c.BaselineSpread, 0, 2))
	add(finite("RateScale", c.RateScale, 0, 500))
	add(finite("RateSpread", c.RateSpread, 0, 2))
	add(finite("AnimalGainSpread", c.AnimalGainSpread, 0, 2))
	add(finite("SharedGain", c.SharedGain, 0, 2))
	add(finite("PrivateGain", c.PrivateGain, 0, 2))
	return errors.Join(errs...)
}
