//! `rpod build`: Containerfiles parsed into stages of instructions, executed
//! step by step in containers, each step a cached layer.

pub mod builder;
pub mod cache;
pub mod copy;
pub mod ignore;
pub mod image;
pub mod input;
pub mod instruction;
pub mod layer;
pub mod parse;
pub mod run;
pub mod stage;
pub mod words;
