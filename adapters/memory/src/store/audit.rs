use async_trait::async_trait;
use shop_domain::audit::{AuditEntry, AuditFilter, AuditLog};
use shop_domain::{DomainError, Page, PageRequest};

use super::MemoryStore;
use super::page::{Order, paginate};

#[async_trait]
impl AuditLog for MemoryStore {
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, DomainError> {
        let state = self.lock();
        let rows = state.audit.iter().filter(|e| filter.matches(e)).cloned();
        paginate(rows, |e| e.id.as_str().to_string(), Order::Descending, page)
    }

    async fn append(&self, entries: &[AuditEntry]) -> Result<(), DomainError> {
        self.lock().audit.extend_from_slice(entries);
        Ok(())
    }
}
