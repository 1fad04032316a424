// Package whisker simulates the mouse whisker array: each whisker a tapered,
// intrinsically curved elastic rod (a chain of rigid links joined by elastic
// ball joints) clamped in a kinematic follicle that is fixed or whisks,
// touching rigid objects that move along prescribed paths, and read out as
// the force and moment at each whisker base. It also builds the simulation
// configurations of the paper's protocols (sweep16, sweep-hv, rodgers).
//
// Units are those of WHISKiT Physics: mm, kg, s; forces come out in mN and
// moments in mN·mm, in world axes, moments about each base point; the
// readout is the load the whisker exerts on its follicle.
//
// Deviations from WHISKiT (simulator-spec), on purpose:
//   - Joint law: a real Euler–Bernoulli lumping, k = E·I/ℓ per joint with an
//     elastic base half-link (a tip load deflects by P·L³/3EI), instead of
//     Bullet velocity motors with k = E·I/S; damping c = 2ζ√(k·J_distal)
//     with ζ = 0.32 instead of the Δ = 1/HZ formula. Signals are therefore
//     larger (stiffer whiskers) and do not depend on the output rate.
//   - Twist is elastic (G·J, ν = 0.35), not locked.
//   - Curvature is computed for the actual number of links, so short
//     whiskers keep their bend and RB0 is not read past its table.
//   - Row 0 is the readout at t = 0, not uninitialised memory.
//   - Contact: penalty (1000 mN/mm, saturating at 0.01 mm) plus regularised
//     Coulomb friction μ = 0.25 on the true surface (ContactMargin 0, WHISKiT
//     0.5 mm), ramped in over 10 ms so objects that start overlapping the
//     whiskers (the placement rule makes that common) push them out gently.
//   - The 110 Hz protocol is as stable as the 1000 Hz one (internal step ≤
//     50 µs at any output rate).
//   - Work is skipped where it cannot change the readout by more than
//     1e-5 mN (mN·mm): a passive whisker at rest is not integrated until an
//     object can reach one of its contact points (Lipschitz distance
//     bounds), one that has settled after a contact is set exactly at rest,
//     and a frame in which a whisker touches nothing is integrated in
//     steps five times longer (redone in normal steps if it touches).
//   - Whisking: the documented generator is applied as an orientation about
//     the rest angles in the head frame (WHISKiT integrates per-frame world
//     angular velocities, without its ±60°/30° joint limits); a trajectory
//     file is applied as WHISKiT does (world axes, one sample per frame).
//   - Object placement follows WHISKiT's rule on the rotated vertex set
//     (PlaceObjectAt); analytic shapes have no vertices, so their surface
//     points on a 64-node grid stand in (shapes.SurfacePoints).
package whisker
