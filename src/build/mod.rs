//! `rpod build`: Containerfiles parsed into stages of instructions, executed
//! step by step in containers, each step a cached layer.

pub mod copy;
pub mod ignore;
pub mod instruction;
pub mod parse;
pub mod words;
