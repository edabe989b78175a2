OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
gate g(a) x, y { h x; rz(a) y; cx x, y; s y; }
h q;
inv @ s q[0];
inv @ g(0.7) q[0], q[1];
inv @ inv @ t q[1];
