//! Integration tests, one binary so that they link once.

mod it {
    pub mod charts;
    pub mod cli;
    pub mod explore;
    pub mod explorer;
    pub mod golden;
    pub mod network;
    pub mod properties;
    pub mod pytorch;
    pub mod pytorch_curvature;
    pub mod pytorch_experiments;
    pub mod pytorch_tensors;
    pub mod support;
    pub mod wire;
}
