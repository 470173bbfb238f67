//! Paths as rules see them: resolved lexically against the call's working directory,
//! then sorted into [`PathClass`]es once per path.

mod class;
mod env;
pub(crate) mod links;
mod resolve;

pub use class::{PathClass, PathClasses, Reading, WordClasses, classify, classify_word};
pub use env::PathEnv;
pub use links::{MAX_LINKS, real_path, resolve_dotdot};
pub use resolve::{absolutize, expand_home_prefix, normalize};
