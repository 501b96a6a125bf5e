//! The push half of the client: blob existence checks, cross-repository mounts,
//! uploads (a streamed `PATCH` whose digest is given at the end, or one `PUT`
//! for small blobs) and manifests.
//!
//! Every request asks for a `pull,push` token on the destination repository
//! (plus `pull` on the source of a mount). Requests with an in-memory body are
//! retried like the pull side's; a streamed body cannot be replayed, so the
//! caller restarts that whole upload instead (see `image::push`).

use std::io::Read;

use ureq::http::Response;
use ureq::{Body, SendBody};

use super::{form_encode, header, Client};
use crate::base::digest::Digest;
use crate::image::registry::error::RegistryError;

/// What a mount request achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    /// The registry linked the blob into the repository: nothing to upload.
    Mounted,
    /// The registry did not mount it and opened an upload instead, at this URL.
    Upload(String),
}

const HINT_PUSH_LOGIN: &str = "log in with `rpod login` or pass --creds";

#[derive(Clone, Copy)]
enum Verb {
    Head,
    Post,
    Put,
    Delete,
}

impl Client {
    /// Whether `repository` has the blob, asked with push rights (so the token
    /// obtained serves the upload that may follow).
    pub fn blob_exists_for_push(
        &self,
        repository: &str,
        digest: &Digest,
    ) -> Result<bool, RegistryError> {
        let what = format!("blob {digest} in {}/{repository}", self.inner.registry);
        let url = format!("{}/v2/{repository}/blobs/{digest}", self.base()?);
        let resp = self.send(Verb::Head, &url, &push_scope(repository), &[], None, &what)?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.push_error(resp, &what)),
        }
    }

    /// Asks the registry to link `digest` from `from` (another repository of
    /// the same registry) into `repository`.
    pub fn mount_blob(
        &self,
        repository: &str,
        digest: &Digest,
        from: &str,
    ) -> Result<Mount, RegistryError> {
        let what = format!(
            "mounting blob {digest} from {from} into {}/{repository}",
            self.inner.registry
        );
        let base = self.base()?;
        let url = format!(
            "{base}/v2/{repository}/blobs/uploads/?mount={}&from={}",
            form_encode(&digest.to_string()),
            form_encode(from)
        );
        let scope = format!("{} repository:{from}:pull", push_scope(repository));
        let resp = self.send(Verb::Post, &url, &scope, &[], Some(&[]), &what)?;
        match resp.status().as_u16() {
            201 => Ok(Mount::Mounted),
            202 => Ok(Mount::Upload(self.location(&base, &resp, &what)?)),
            _ => Err(self.push_error(resp, &what)),
        }
    }

    /// Opens an upload session; returns the URL to send the data to.
    pub fn start_upload(&self, repository: &str) -> Result<String, RegistryError> {
        let what = format!("starting an upload to {}/{repository}", self.inner.registry);
        let base = self.base()?;
        let url = format!("{base}/v2/{repository}/blobs/uploads/");
        let resp = self.send(
            Verb::Post,
            &url,
            &push_scope(repository),
            &[],
            Some(&[]),
            &what,
        )?;
        match resp.status().as_u16() {
            202 => self.location(&base, &resp, &what),
            _ => Err(self.push_error(resp, &what)),
        }
    }

    /// Streams `body` into an open upload (`PATCH`, chunked transfer encoding:
    /// the size need not be known). Returns the URL to finish the upload at.
    pub fn upload_stream(
        &self,
        repository: &str,
        location: &str,
        body: impl Read + 'static,
    ) -> Result<String, RegistryError> {
        let what = format!("uploading a blob to {}/{repository}", self.inner.registry);
        let base = self.base()?;
        let auth = self.authorization(Some(&push_scope(repository)), false)?;
        let mut req = self
            .inner
            .agent
            .patch(location)
            .header("Content-Type", "application/octet-stream");
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let resp = req
            .send(SendBody::from_owned_reader(body))
            .map_err(|e| self.transport_error(&what, e))?;
        match resp.status().as_u16() {
            202 | 204 => self.location(&base, &resp, &what),
            _ => Err(self.push_error(resp, &what)),
        }
    }

    /// Ends an upload (`PUT ?digest=`), with the last bytes if any; the registry
    /// checks the digest against everything it received.
    pub fn finish_upload(
        &self,
        repository: &str,
        location: &str,
        digest: &Digest,
        last: &[u8],
    ) -> Result<(), RegistryError> {
        let what = format!("blob {digest} in {}/{repository}", self.inner.registry);
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{sep}digest={}", form_encode(&digest.to_string()));
        let resp = self.send(
            Verb::Put,
            &url,
            &push_scope(repository),
            &[("Content-Type", "application/octet-stream")],
            Some(last),
            &what,
        )?;
        match resp.status().as_u16() {
            201 | 204 => Ok(()),
            _ => Err(self.push_error(resp, &what)),
        }
    }

    /// Uploads a small blob in one request (`POST` for a session, then one `PUT`).
    pub fn put_blob(
        &self,
        repository: &str,
        digest: &Digest,
        bytes: &[u8],
    ) -> Result<(), RegistryError> {
        let location = self.start_upload(repository)?;
        self.finish_upload(repository, &location, digest, bytes)
    }

    /// Abandons an upload session (best effort; registries expire them anyway).
    pub fn cancel_upload(&self, repository: &str, location: &str) {
        let what = format!(
            "cancelling an upload to {}/{repository}",
            self.inner.registry
        );
        if let Err(e) = self.send(
            Verb::Delete,
            location,
            &push_scope(repository),
            &[],
            None,
            &what,
        ) {
            log::debug!("{what}: {e}");
        }
    }

    /// Stores a manifest under `reference` (a tag or its digest); returns its digest.
    pub fn put_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, RegistryError> {
        let what = format!("manifest {}/{repository}:{reference}", self.inner.registry);
        let url = format!("{}/v2/{repository}/manifests/{reference}", self.base()?);
        let resp = self.send(
            Verb::Put,
            &url,
            &push_scope(repository),
            &[("Content-Type", media_type)],
            Some(bytes),
            &what,
        )?;
        let digest = Digest::of(bytes);
        match resp.status().as_u16() {
            200 | 201 | 202 | 204 => {
                if let Some(h) = header(&resp, "docker-content-digest") {
                    if h != digest.to_string() {
                        return Err(RegistryError::Protocol {
                            registry: self.inner.registry.clone(),
                            message: format!(
                                "stored {what} as {h}, but its bytes hash to {digest}"
                            ),
                        });
                    }
                }
                Ok(digest)
            }
            _ => Err(self.push_error(resp, &what)),
        }
    }

    /// Checks that the credentials are accepted: pings, then, if the registry
    /// asks for authentication, repeats `/v2/` with them. `Ok(false)` when the
    /// registry wants none.
    pub fn check_login(&self) -> Result<bool, RegistryError> {
        let base = self.base()?;
        if self.lock().challenge.is_none() {
            return Ok(false);
        }
        let url = format!("{base}/v2/");
        let auth = match self.authorization(None, false) {
            Ok(a) => a,
            Err(RegistryError::Unauthorized { registry, .. }) => {
                return Err(RegistryError::Unauthorized {
                    registry,
                    what: "the login".into(),
                    reason: "invalid username/password".into(),
                    hint: super::HINT_CREDS,
                })
            }
            Err(e) => return Err(e),
        };
        let resp = self.send_with_retries("logging in to", || {
            let mut req = self.inner.agent.get(&url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            req.call()
        })?;
        match resp.status().as_u16() {
            200 => Ok(true),
            401 | 403 => Err(RegistryError::Unauthorized {
                registry: self.inner.registry.clone(),
                what: "the login".into(),
                reason: "invalid username/password".into(),
                hint: super::HINT_CREDS,
            }),
            _ => Err(self.status_error(resp, "the login (/v2/)", "/v2/")),
        }
    }

    /// A request whose body (if any) is in memory: retried on transient
    /// failures, and once more with fresh auth after a 401.
    fn send(
        &self,
        verb: Verb,
        url: &str,
        scope: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        what: &str,
    ) -> Result<Response<Body>, RegistryError> {
        let mut renewed = false;
        loop {
            let auth = self.authorization(Some(scope), renewed)?;
            let resp = self.send_with_retries(what, || {
                macro_rules! prepare {
                    ($req:expr) => {{
                        let mut req = $req;
                        for (k, v) in headers {
                            req = req.header(*k, *v);
                        }
                        if let Some(a) = &auth {
                            req = req.header("Authorization", a);
                        }
                        req
                    }};
                }
                match verb {
                    Verb::Head => prepare!(self.inner.agent.head(url)).call(),
                    Verb::Delete => prepare!(self.inner.agent.delete(url)).call(),
                    Verb::Post => prepare!(self.inner.agent.post(url)).send(body.unwrap_or(&[])),
                    Verb::Put => prepare!(self.inner.agent.put(url)).send(body.unwrap_or(&[])),
                }
            })?;
            if resp.status().as_u16() == 401 && !renewed && self.take_challenge(&resp) {
                renewed = true;
                continue;
            }
            return Ok(resp);
        }
    }

    /// The absolute URL in a `Location` header.
    fn location(
        &self,
        base: &str,
        resp: &Response<Body>,
        what: &str,
    ) -> Result<String, RegistryError> {
        let loc = header(resp, "location").ok_or_else(|| RegistryError::Protocol {
            registry: self.inner.registry.clone(),
            message: format!("{what}: the answer has no Location header"),
        })?;
        Ok(absolute(base, &loc))
    }

    fn push_error(&self, resp: Response<Body>, what: &str) -> RegistryError {
        match self.status_error(resp, what, what) {
            RegistryError::Unauthorized {
                registry,
                what,
                reason,
                ..
            } if self.inner.credentials.is_anonymous() => RegistryError::Unauthorized {
                registry,
                what,
                reason,
                hint: HINT_PUSH_LOGIN,
            },
            e => e,
        }
    }
}

fn push_scope(repository: &str) -> String {
    format!("repository:{repository}:pull,push")
}

/// `Location` may be absolute, absolute-path or (rarely) relative.
fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else if location.starts_with('/') {
        format!("{base}{location}")
    } else {
        format!("{base}/{location}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_become_absolute() {
        let base = "http://127.0.0.1:5000";
        assert_eq!(
            absolute(base, "/v2/x/blobs/uploads/u?_state=s"),
            "http://127.0.0.1:5000/v2/x/blobs/uploads/u?_state=s"
        );
        assert_eq!(
            absolute(base, "https://cdn.example/up/1"),
            "https://cdn.example/up/1"
        );
        assert_eq!(absolute(base, "v2/u"), "http://127.0.0.1:5000/v2/u");
        assert_eq!(push_scope("a/b"), "repository:a/b:pull,push");
    }
}
