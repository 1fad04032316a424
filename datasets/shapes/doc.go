// Package shapes is the simulator's object library: rigid objects that
// whiskers touch, as signed-distance queries in the object's own frame
// (millimetres). It provides an OBJ mesh loader with a bounding-volume
// hierarchy, a procedural library of shape classes with per-instance random
// parameters, and the concave/convex surface of the Rodgers stimuli.
package shapes
