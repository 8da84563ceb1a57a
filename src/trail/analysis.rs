//! What the events say: who read a secret, what a principal read, and hints for investigators.
