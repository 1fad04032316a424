// Package shapes is the simulator's object library: rigid objects that
// whiskers touch, as signed-distance queries in the object's own frame
// (millimetres). It provides an OBJ mesh loader with a bounding-volume
// hierarchy, a procedural library of shape classes with per-instance random
// parameters, and the concave/convex surface of the Rodgers stimuli.
//
// Meshes: ParseOBJ/LoadOBJ read a Wavefront OBJ under size Limits and report
// malformed input as *OBJError naming the line; NewMesh builds a BVH-backed
// Shape, a solid signed by angle-weighted pseudo-normals when the mesh is
// closed, or a shell of a given thickness when it is not.
//
// Procedural classes: Classes lists the shape classes in a stable order
// (the label of a class is its index); Class.New draws an Instance from a
// math/rand/v2 generator, deterministically. Distances are analytic, exact
// for primitives and conservative (1-Lipschitz) for CSG combinations, with
// gradient normals.
//
// Placement: NewTransformed, RotateZ, ScaleToDiagonal and PlaceWhiskit
// reproduce the paper's object placement (paper-spec §3.1, simulator-spec
// §5); SurfacePoints, MeasureBounds and SampleSurface give surface points
// for bounding boxes, placement and plots. RodgersPlate and RodgersStimuli
// rebuild the Rodgers stimulus plate and its six poses (paper-spec §3.7).
package shapes
