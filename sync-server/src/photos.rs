//! Photo storage: content-addressed, verified, resumable.
//!
//! A photo's address is the SHA-256 of its bytes. An upload appends to a partial file at the offset
//! the client names (`Upload-Offset`), so a cut upload resumes from the last byte that arrived. When
//! the partial file reaches the announced length (`Upload-Length`), its hash is checked: a mismatch
//! discards it, a match moves it into place. Uploading a photo the server already has is a no-op.
//!
//! [`BlobStore`] hides where bytes live; [`LocalBlobStore`] keeps them under the data folder, and
//! an object-storage backend implements the same trait for the scale-out path.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::AppError;

/// A failure of the blob store itself.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("photo storage I/O failed at {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Bytes held of an unfinished upload (0 when none).
    async fn partial_len(&self, hash: &str) -> Result<u64, BlobError>;
    /// Appends a chunk to the partial upload.
    async fn append(&self, hash: &str, chunk: &[u8]) -> Result<(), BlobError>;
    /// Flushes the partial upload to stable storage.
    async fn sync_partial(&self, hash: &str) -> Result<(), BlobError>;
    /// Returns the SHA-256 (hex) and the first bytes of the partial upload.
    async fn digest_partial(&self, hash: &str) -> Result<(String, Vec<u8>), BlobError>;
    /// Moves a verified partial upload into place.
    async fn promote(&self, hash: &str) -> Result<(), BlobError>;
    /// Deletes a partial upload.
    async fn discard(&self, hash: &str) -> Result<(), BlobError>;
    /// Reads a stored photo.
    async fn read(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError>;
}

/// Photos as files: `photos/ab/abcdef….jpg`, partial uploads in `photos/partial/`.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl LocalBlobStore {
    pub fn open(root: &Path) -> Result<LocalBlobStore, BlobError> {
        let partial = root.join("partial");
        std::fs::create_dir_all(&partial).map_err(io(&partial))?;
        Ok(LocalBlobStore {
            root: root.to_owned(),
        })
    }

    fn partial_path(&self, hash: &str) -> PathBuf {
        self.root.join("partial").join(format!("{hash}.part"))
    }

    fn final_path(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn partial_len(&self, hash: &str) -> Result<u64, BlobError> {
        let path = self.partial_path(hash);
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io(&path)(e)),
        }
    }

    async fn append(&self, hash: &str, chunk: &[u8]) -> Result<(), BlobError> {
        let path = self.partial_path(hash);
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .map_err(io(&path))?;
        file.write_all(chunk).await.map_err(io(&path))?;
        file.flush().await.map_err(io(&path))
    }

    async fn sync_partial(&self, hash: &str) -> Result<(), BlobError> {
        let path = self.partial_path(hash);
        match tokio::fs::OpenOptions::new().append(true).open(&path).await {
            Ok(file) => file.sync_all().await.map_err(io(&path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    async fn digest_partial(&self, hash: &str) -> Result<(String, Vec<u8>), BlobError> {
        let path = self.partial_path(hash);
        let mut file = tokio::fs::File::open(&path).await.map_err(io(&path))?;
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buffer).await.map_err(io(&path))?;
            if n == 0 {
                break;
            }
            if head.len() < 16 {
                head.extend_from_slice(&buffer[..n.min(16 - head.len())]);
            }
            hasher.update(&buffer[..n]);
        }
        Ok((hex::encode(hasher.finalize()), head))
    }

    async fn promote(&self, hash: &str) -> Result<(), BlobError> {
        let target = self.final_path(hash);
        let dir = target.parent().expect("photo paths have a parent");
        tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
        let partial = self.partial_path(hash);
        tokio::fs::rename(&partial, &target).await.map_err(io(&target))
    }

    async fn discard(&self, hash: &str) -> Result<(), BlobError> {
        let path = self.partial_path(hash);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    async fn read(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.final_path(hash);
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }
}

impl From<BlobError> for AppError {
    fn from(e: BlobError) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// Checks that a path segment is a lowercase hex SHA-256.
pub fn parse_hash(hash: &str) -> Result<&str, AppError> {
    if hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(hash)
    } else {
        Err(AppError::bad_request(
            "invalid_photo_hash",
            format!(
                "照片地址 {hash:?} 不是 64 位小写十六进制 SHA-256 (photo address must be a lowercase hex SHA-256)"
            ),
        ))
    }
}

/// Returns the media type of stored photo bytes, if they are a photo format the system keeps.
pub fn media_type(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Result of an upload request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadOutcome {
    /// All bytes arrived and the hash matched; the photo is stored.
    Complete { size: u64, media_type: &'static str },
    /// The server already had the photo.
    AlreadyStored,
}

/// Appends an upload body at `offset` and finishes the photo when it is complete.
///
/// The body is written as it arrives, so if the connection is cut, the bytes received so far stay
/// and the next request resumes at [`BlobStore::partial_len`].
pub async fn receive<S, E>(
    blobs: &dyn BlobStore,
    hash: &str,
    offset: u64,
    length: u64,
    max_bytes: u64,
    mut body: S,
) -> Result<UploadOutcome, AppError>
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    if length == 0 {
        return Err(AppError::bad_request(
            "empty_photo",
            "照片为空 (Upload-Length is 0)",
        ));
    }
    if length > max_bytes {
        return Err(AppError::TooLarge {
            message: format!(
                "照片 {:.1} MB，超过上限 {:.0} MB (Upload-Length {length} exceeds {max_bytes} bytes)",
                length as f64 / 1e6,
                max_bytes as f64 / 1e6
            ),
        });
    }
    let held = blobs.partial_len(hash).await?;
    if offset != held {
        return Err(AppError::Conflict {
            code: "upload_offset_mismatch",
            message: format!(
                "服务器已收到 {held} 字节，请从该位置续传 (Upload-Offset {offset} should be {held})"
            ),
        });
    }
    let mut received = held;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                // The client went away mid-body: keep what arrived, for the resume.
                blobs.sync_partial(hash).await?;
                tracing::info!(received, length, error = %e, "photo upload cut; kept the partial bytes");
                return Err(AppError::bad_request(
                    "upload_interrupted",
                    format!("上传中断，已保存 {received} 字节 ({e})"),
                ));
            }
        };
        if received + chunk.len() as u64 > length {
            blobs.discard(hash).await?;
            return Err(AppError::bad_request(
                "upload_too_long",
                format!("上传内容超过声明的 {length} 字节，已丢弃 (body exceeds Upload-Length; start again)"),
            ));
        }
        blobs.append(hash, &chunk).await?;
        received += chunk.len() as u64;
    }
    blobs.sync_partial(hash).await?;
    if received < length {
        return Err(AppError::Conflict {
            code: "upload_incomplete",
            message: format!(
                "已收到 {received}/{length} 字节，请从 {received} 续传 (resume at Upload-Offset {received})"
            ),
        });
    }
    let (actual, head) = blobs.digest_partial(hash).await?;
    if actual != hash {
        blobs.discard(hash).await?;
        return Err(AppError::Unprocessable {
            code: "photo_hash_mismatch",
            message: format!(
                "照片内容与地址不符，已丢弃：地址 {hash}，内容的 SHA-256 为 {actual} (bytes do not match the address; re-send the photo)"
            ),
        });
    }
    let Some(media_type) = media_type(&head) else {
        blobs.discard(hash).await?;
        return Err(AppError::UnsupportedMedia {
            message: "只接受 JPEG 或 PNG 照片 (only JPEG and PNG photos are stored)".to_owned(),
        });
    };
    blobs.promote(hash).await?;
    Ok(UploadOutcome::Complete {
        size: length,
        media_type,
    })
}
