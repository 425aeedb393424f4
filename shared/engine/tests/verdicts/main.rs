//! What each event rule reports on its own samples, beyond firing or not (which the samples
//! runner checks for every detection): severities, summaries, resources, and the organization
//! setting.

mod agentcore;
mod bedrock;
mod iam;
mod identity_center;
mod sagemaker;
