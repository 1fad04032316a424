// Package accounts owns identity: labs, their users, and API tokens. A token
// is 256 random bits shown once; only its SHA-256 is stored, and it is
// compared in constant time. A token carries a role (lab member or
// maintainer) and belongs to one lab.
package accounts
