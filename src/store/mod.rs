//! The local evidence store (SQLite): cached events and the windows already fetched.
