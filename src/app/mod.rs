//! The pure UI core: state, actions, messages, effects and `update`. No I/O, no clock reads:
//! time arrives inside messages, and work for the outside world leaves as `Effect`s.

pub mod action;
pub mod columns;
pub mod cursor;
pub mod effect;
pub mod filter;
pub mod leak_prompt;
pub mod msg;
pub mod observation;
pub mod registry_view;
pub mod replicas;
pub mod request;
pub mod review;
pub mod runbooks;
pub mod state;
pub mod update;
pub mod window;

pub use action::Action;
pub use effect::Effect;
pub use msg::Msg;
pub use state::{Mode, State, View};
pub use update::update;
