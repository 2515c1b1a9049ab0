//! Routes of SPEC section 6, one module per resource, each thin over the store and the
//! campaign operations.

pub mod health;
