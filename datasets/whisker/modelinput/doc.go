// Package modelinput turns a simulator readout into the model input of the
// paper (paper-spec §3.5, §2.1): decimation to 110 frames, the |x| > 1000
// outlier rule with forward fill, padding of the 30 whiskers to the 5×7
// grid, and packing to (22, 30, 5, 7).
package modelinput
