// stdgates.inc's u3 carries the phase exp(-i(θ+φ+λ)/2) relative to U: visible under ctrl
OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[0];
ctrl @ u3(0.4, 0.5, 0.6) q[0], q[1];
ctrl @ u2(0.7, 0.8) q[1], q[0];
ctrl @ U(0.9, 1.0, 1.1) q[0], q[1];
