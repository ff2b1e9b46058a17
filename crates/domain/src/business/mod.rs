//! Business profiles: submission, review, and the tax exemption they grant.

mod model;
mod service;

#[cfg(test)]
pub(crate) use model::MockBusinessProfileStore;
pub use model::{
    Address, BusinessProfile, BusinessProfileStore, BusinessStatus, ExemptionCertificate,
    ProfileSubmission, TaxExemption,
};
pub use service::{BusinessPorts, BusinessService};

#[cfg(test)]
mod tests;
