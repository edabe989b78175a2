OPENQASM 3.0;
include "stdgates.inc";
include "lib/mygates.inc";
qubit[2] q;
bell q[0], q[1];
rot(0.3) q[1];
