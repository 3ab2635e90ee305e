//! Rendered fragments of pages and API answers, each valid for exactly one version
//! of its assembly.
//!
//! A fragment is a pure function of the assembly's projected state, the request's
//! query and the language. The state a handler renders from is a shared copy
//! (`App::assembly`) that carries its own version, so an entry stored under that
//! version can never be older or newer than the state it claims: any event in the
//! assembly moves the version on and the next request renders afresh. Nothing
//! personal (names of the signed-in user, CSRF tokens) goes into a fragment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Entries kept at most; queries are chosen by callers, so the map is bounded.
const MAX_ENTRIES: usize = 512;

#[derive(Default)]
pub struct RenderCache {
    entries: Mutex<HashMap<String, (u64, Arc<str>)>>,
}

impl RenderCache {
    /// The fragment stored under `key` for `version`, else `render`'s output,
    /// stored for the next caller.
    pub fn get_or_render<E>(
        &self,
        key: String,
        version: u64,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        if let Some((v, hit)) = self.lock().get(&key) {
            if *v == version {
                return Ok(Arc::clone(hit));
            }
        }
        // Rendered outside the lock: other fragments stay available meanwhile.
        let fresh: Arc<str> = render()?.into();
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (version, Arc::clone(&fresh)));
        Ok(fresh)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Arc<str>)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_own_version() {
        let cache = RenderCache::default();
        let renders = std::cell::Cell::new(0);
        let get = |version: u64, text: &str| {
            cache
                .get_or_render::<()>("k".into(), version, || {
                    renders.set(renders.get() + 1);
                    Ok(text.to_owned())
                })
                .unwrap()
        };
        assert_eq!(&*get(1, "one"), "one");
        assert_eq!(&*get(1, "ignored"), "one", "same version: the stored fragment");
        assert_eq!(&*get(2, "two"), "two", "a new version renders again");
        assert_eq!(renders.get(), 2);
    }

    #[test]
    fn the_map_stays_bounded() {
        let cache = RenderCache::default();
        for n in 0..(MAX_ENTRIES * 3) {
            cache.get_or_render::<()>(format!("k{n}"), 1, || Ok(String::new())).unwrap();
        }
        assert!(cache.lock().len() <= MAX_ENTRIES);
    }
}
