// Package whisker simulates the mouse whisker array: each whisker a tapered,
// intrinsically curved elastic rod (a chain of rigid links joined by elastic
// ball joints) clamped in a kinematic follicle that is fixed or whisks,
// touching rigid objects that move along prescribed paths, and read out as
// the force and moment at each whisker base. It also builds the simulation
// configurations of the paper's protocols (sweep16, sweep-hv, rodgers).
//
// Units are those of WHISKiT Physics: mm, kg, s; forces come out in mN and
// moments in mN·mm, in world axes, moments about each base point.
package whisker
