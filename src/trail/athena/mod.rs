//! The organization trail in Athena, the pure part: the table's DDL, the SQL per question, and
//! result rows back into access events. The adapter that runs queries is `source::aws::athena`.

pub mod ddl;
pub mod rows;
pub mod sql;

pub use ddl::TrailTable;
pub use sql::{Question, Scope, TableRef};
