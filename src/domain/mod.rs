//! Pure data: what a secret is, how its rotation stands, how its replicas are joined.
//! Nothing here does I/O or reads the clock; time is always passed in.

pub mod accounts;
pub mod environment;
pub mod fit;
pub mod glob;
pub mod inventory;
pub mod rotation;
pub mod secret;
pub mod untrusted;

pub use environment::environment_of;
pub use inventory::{Entry, Inventory};
pub use rotation::RotationStatus;
pub use secret::{
    Account, Cell, CellHealth, ReplicaStatus, ReplicationState, Rotation, Secret, Tag, Version,
};
